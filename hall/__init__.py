"""The hall hub: configuration, the pure queue engine, the SQLite store, and the CLI."""
