"""Settings as a pure value: the environment profiles, the settings and their validation,
the names every resource gets, the regions, what a deployment records of its settings and
what a project folder remembers."""
