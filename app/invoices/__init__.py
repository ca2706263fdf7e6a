"""Invoices: issued by the worker when an order is paid or handed over (the `issue_invoice` job, queued
through app.lib.jobs), amendments, receipts and statements."""

from app.invoices.controllers import InvoiceController

__all__ = ["InvoiceController"]
