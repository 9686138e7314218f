"""The exit statuses of every `dgx-pixels` command."""

EXIT_OK = 0
EXIT_FAILED = 1  # the worker answered with an error, or a job failed
EXIT_USAGE = 2  # bad arguments or configuration
EXIT_UNREACHABLE = 3  # no worker could be reached
