"""One module per group of `dgx-pixels` subcommands."""
