"""Version of the procedural generator's output; bump it whenever output bytes change."""

GENERATOR_VERSION: str = "2"
