import pytest

from dgx_pixels_worker.settings.config import ConfigError, load_settings


def test_layers_apply_in_order(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    user = tmp_path / "user.toml"
    user.write_text('[worker]\nheartbeat_s = 2.0\nrep = "tcp://127.0.0.1:7000"\n[limits]\nmax_count = 8\n')
    env = {"DGX_PIXELS_WORKER__HEARTBEAT_S": "3.5", "DGX_PIXELS_CONNECT": "tcp://127.0.0.1:7100"}
    settings = load_settings(user, env=env, overrides={"worker": {"rep": "tcp://127.0.0.1:7200", "pub": None}})
    assert settings.worker.heartbeat_s == 3.5  # env beats the file
    assert settings.worker.rep == "tcp://127.0.0.1:7200"  # flags beat everything
    assert settings.worker.pub == "tcp://127.0.0.1:5556"  # an absent flag leaves the default
    assert settings.limits.max_count == 8 and settings.client.connect == "tcp://127.0.0.1:7100"


def test_user_file_from_xdg_config_home(tmp_path, monkeypatch):
    (tmp_path / "dgx-pixels").mkdir()
    (tmp_path / "dgx-pixels" / "config.toml").write_text("[client]\ntimeout_s = 9\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_settings(env={}).client.timeout_s == 9


@pytest.mark.parametrize(
    "text, words",
    [
        ("[worker]\nheartbeat = 1\n", "worker.heartbeat"),
        ("[worker]\nheartbeat_s = -1\n", "worker.heartbeat_s"),
        ("[worker\n", "not valid TOML"),
        ("[limits]\nmin_size = 512\nmax_size = 64\n", "min_size 512 is larger than max_size 64"),
    ],
)
def test_bad_files_name_the_problem(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert words in str(caught.value)


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "nope.toml", env={})


def test_the_explicit_environment_form_beats_the_shortcut():
    env = {"DGX_PIXELS_CONNECT": "tcp://127.0.0.1:1", "DGX_PIXELS_CLIENT__CONNECT": "tcp://127.0.0.1:2"}
    assert load_settings(env=env).client.connect == "tcp://127.0.0.1:2"


def test_clients_follow_the_worker_address_unless_told_otherwise():
    moved = load_settings(env={"DGX_PIXELS_WORKER__REP": "tcp://0.0.0.0:6000"})
    assert moved.connect_address() == "tcp://127.0.0.1:6000"
    told = load_settings(env={"DGX_PIXELS_WORKER__REP": "tcp://0.0.0.0:6000", "DGX_PIXELS_CONNECT": "tcp://10.0.0.9:7"})
    assert told.connect_address() == "tcp://10.0.0.9:7"
