"""Built-in plugin: registered like any third-party plugin (nothing yet beyond drivers)."""
