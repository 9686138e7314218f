from dgx_pixels_worker.client.sequence import Arrival, SequenceTracker


def test_next_old_gap_and_restart():
    t = SequenceTracker()
    assert t.classify("e1", 1) is Arrival.RESTART  # nothing known yet: take a snapshot
    t.reset("e1", 10)
    assert t.classify("e1", 9) is Arrival.OLD
    assert t.classify("e1", 10) is Arrival.OLD
    assert t.classify("e1", 11) is Arrival.NEXT
    assert t.classify("e1", 13) is Arrival.GAP
    assert t.classify("e2", 12) is Arrival.RESTART
