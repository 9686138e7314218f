"""Requests of the arena: comparisons, votes and the leaderboard."""

from __future__ import annotations

from ..arena.comparisons import Arena
from ..protocol import Envelope
from ..protocol import messages as m
from .dispatch import Peer


class ArenaRequests:
    def __init__(self, arena: Arena):
        self._arena = arena

    def on_compare(self, request: m.CompareRequest, envelope: Envelope, peer: Peer) -> m.CompareReply:
        return m.CompareReply(comparison=self._arena.compare(request, peer.client, peer.user, envelope.id))

    def on_comparison(self, request: m.ComparisonRequest, envelope: Envelope, peer: Peer) -> m.CompareReply:
        return m.CompareReply(comparison=self._arena.info(request.comparison_id))

    def on_open_comparisons(
        self, request: m.OpenComparisonsRequest, envelope: Envelope, peer: Peer
    ) -> m.OpenComparisonsReply:
        return m.OpenComparisonsReply(comparisons=self._arena.open_for(peer.user, request.tag, request.limit))

    async def on_vote(self, request: m.VoteRequest, envelope: Envelope, peer: Peer) -> m.VoteReply:
        return await self._arena.vote(request, peer.client, peer.user)

    def on_votes(self, request: m.VotesRequest, envelope: Envelope, peer: Peer) -> m.VotesReply:
        votes, total = self._arena.votes(request.after_id, request.limit)
        return m.VotesReply(votes=votes, total=total)

    async def on_leaderboard(self, request: m.LeaderboardRequest, envelope: Envelope, peer: Peer) -> m.LeaderboardReply:
        return await self._arena.leaderboard(request.tag, request.rounds)
