"""What every stage shares: configuration, the stage contract and its registry, artifact I/O and
done-markers, the Arrow schemas and typed records, the fact rule, and the checks before work."""
