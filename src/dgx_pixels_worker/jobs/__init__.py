"""The job domain: typed parameters, the store of jobs, the queue, the scheduler, the slots that run jobs,
live progress and the views sent to clients."""
