"""Reports: rollups kept by the worker, report queries, forecasts, and the history generator."""
