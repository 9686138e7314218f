"""Settings: configuration files and their layers, where files live, model presets and the model library."""
