"""The kitchen: tickets per station (start, bump, recall), the station and expo snapshots the kitchen
displays render, and kitchen metrics for reports.

Import the parts from their modules (`app.kitchen.controllers`, `.services`, `.machine`): the order
service uses `machine` and `schemas`, so this package's import must not pull in the services (which use
the order service) and close a cycle.
"""
