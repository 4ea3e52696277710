"""Where a work directory lives: a local path, or a filesystem URL kept in step with a local
mirror per machine, under a lease."""
