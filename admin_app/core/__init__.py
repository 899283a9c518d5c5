"""What every area stands on: settings, the process's runtime, start-up, translation,
who is asking, input checks, the encryption keys and how a token is stored. Imports
nothing above it (no area, no web layer, no NiceGUI)."""
