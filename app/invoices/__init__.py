"""Invoices (issue 5, DESIGN §7): the invoicing job's rules, gapless numbering, amendments, receipts as HTML
and ESC/POS, and the customer statement."""

from app.invoices.controllers import InvoiceController
from app.invoices.queue import enqueue_issue, issue_job_id

__all__ = ["InvoiceController", "enqueue_issue", "issue_job_id"]
