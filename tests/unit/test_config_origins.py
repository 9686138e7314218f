"""A configuration problem names where the bad value came from: a file and line, a variable or a flag."""

import pytest

from dgx_pixels_worker.settings.config import ConfigError, load_settings
from dgx_pixels_worker.settings.layers import key_lines, shown_path


@pytest.fixture(autouse=True)
def no_user_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))


def problem(path=None, env=None, overrides=None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env=env or {}, overrides=overrides)
    return str(caught.value)


def test_a_bad_value_in_a_file_names_the_file_and_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("# mine\n[worker]\nrep = 'tcp://127.0.0.1:7000'\n\nheartbeat_s = 500\n")
    text = problem(path)
    assert f"{path} line 5: worker.heartbeat_s: Input should be less than or equal to 60" in text


def test_an_environment_variable_is_named_with_its_value():
    text = problem(env={"DGX_PIXELS_WORKER__HEARTBEAT_S": "soon"})
    assert "DGX_PIXELS_WORKER__HEARTBEAT_S=soon: worker.heartbeat_s: Input should be a valid number" in text
    text = problem(env={"DGX_PIXELS_PROCEDURAL__STEPS": "a few"})
    assert "DGX_PIXELS_PROCEDURAL__STEPS='a few': procedural.steps:" in text


def test_the_layer_that_set_the_value_last_is_the_one_named(tmp_path):
    path = tmp_path / "fine.toml"
    path.write_text("[worker]\nheartbeat_s = 2\n")
    text = problem(path, env={"DGX_PIXELS_WORKER__HEARTBEAT_S": "-1"})
    assert "DGX_PIXELS_WORKER__HEARTBEAT_S=-1: worker.heartbeat_s" in text and "fine.toml" not in text


def test_an_unknown_key_from_the_environment_names_the_variable():
    text = problem(env={"DGX_PIXELS_WROKER__HEARTBEAT_S": "2"})
    assert "DGX_PIXELS_WROKER__HEARTBEAT_S=2: wroker: not a setting dgx-pixels knows" in text


def test_a_flag_is_named():
    text = problem(overrides={"worker": {"heartbeat_s": 0}})
    assert "--heartbeat-s=0: worker.heartbeat_s: Input should be greater than 0" in text


def test_an_unknown_section_names_its_header_and_backends_name_their_own_lines(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[worker]\nrep = """tcp://\nheartbeat_s = 900\n"""\n'  # not a key: inside a string
        '[[backends]]\nname = "a"\nurl = "http://a"\n'
        '[[backends]]\nname = "b"\nurl = "ftp://b"  # not http\n'
        "[wroker]\nx = 1\n"
    )
    text = problem(path)
    assert f"{path} line 10: backends.1.url: String should match pattern" in text
    assert f"{path} line 11: wroker: not a setting dgx-pixels knows" in text
    assert "heartbeat" not in text


def test_a_section_rule_names_the_lines_the_user_wrote(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[limits]\nmax_size = 64\nmin_size = 512\n")
    assert f"{path} lines 2, 3: limits: min_size 512 is larger than max_size 64" in problem(path)
    path.write_text("[limits]\n\nmin_size = 4096\n")
    assert f"{path} line 3: limits: min_size 4096 is larger than max_size 2048" in problem(path)


def test_several_problems_one_line_each(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[worker]\nheartbeat_s = 0\nrecent_jobs = 0\n")
    lines = problem(path).splitlines()
    assert lines[0] == "invalid configuration (2 problems):"
    assert lines[1].endswith("line 2: worker.heartbeat_s: Input should be greater than 0")
    assert lines[2].endswith("line 3: worker.recent_jobs: Input should be greater than or equal to 1")


def test_a_file_that_is_not_utf8_is_a_config_error_naming_its_line(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes("[client]\n# café\n".encode("latin-1"))
    text = problem(path)
    assert text.startswith(f"{path} line 2: not UTF-8 text (byte 0xe9)")


def test_a_file_that_cannot_be_read_is_a_config_error(tmp_path, monkeypatch):
    assert problem(tmp_path).startswith(f"{tmp_path}: cannot be read")
    (tmp_path / "dgx-pixels" / "config.toml").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    text = problem()
    assert "config.toml: cannot be read" in text


def test_files_under_home_are_shown_with_a_tilde(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert shown_path(tmp_path / ".config" / "dgx-pixels" / "config.toml") == "~/.config/dgx-pixels/config.toml"
    assert shown_path(tmp_path.parent / "elsewhere.toml") == str(tmp_path.parent / "elsewhere.toml")


def test_key_lines_follow_toml_rather_than_the_look_of_a_line():
    text = (
        "a = 1\n"
        'b = [\n  \'x = 1\',  # c = 2\n  """\n[not.a.table]\n""",\n]\n'
        '"quoted.key" = { d = 1 }\n'
        "[t . 'u']\n"
        "dotted.key = '''\nz = 3'''\n"
        "[[arr]]\nv = 1\n[arr.sub]\nw = 2\n[[arr]]\nv = 2\n"
    )
    assert key_lines(text) == {
        ("a",): 1,
        ("b",): 2,
        ("quoted.key",): 8,
        ("t", "u"): 9,
        ("t", "u", "dotted", "key"): 10,
        ("arr", 0): 12,
        ("arr", 0, "v"): 13,
        ("arr", 0, "sub"): 14,
        ("arr", 0, "sub", "w"): 15,
        ("arr", 1): 16,
        ("arr", 1, "v"): 17,
    }
