"""Every table of the schema. Importing this package registers them all on `Base.metadata`, which is what
Alembic and the test fixtures diff and truncate."""

from app.db.models.audit import AuditLog
from app.db.models.branches import Branch, BranchTaxNumber, Station
from app.db.models.catalog import (
    BundleGroup,
    BundleItem,
    Category,
    CustomerPrice,
    Product,
    ProductPrice,
    ProductStock,
    ProductUnit,
)
from app.db.models.customers import Customer, CustomerAddress, CustomerPhone
from app.db.models.delivery import Courier, Territory
from app.db.models.dispatch import (
    Alert,
    BranchCashMovement,
    BulkSettlementRequest,
    CourierTransaction,
    Delivery,
    Settlement,
    Trip,
    UserPreference,
)
from app.db.models.invoices import Invoice, InvoiceCounter
from app.db.models.kitchen import Device, KitchenTicket, ServiceTicket, ServiceTicketCounter
from app.db.models.orders import Order, OrderEvent, OrderLine, OrderTokenCounter
from app.db.models.payments import (
    Payment,
    PaymentRefund,
    PosProfile,
    Shift,
    ShiftCashMovement,
    ShiftCount,
)
from app.db.models.reports import (
    ReportAnomaly,
    ReportCashierDaily,
    ReportCustomerDaily,
    ReportDay,
    ReportDeliveryDaily,
    ReportItemTimesDaily,
    ReportKitchenHourly,
    ReportMailLog,
    ReportPaymentsDaily,
    ReportProductDaily,
    ReportRecipient,
    ReportSalesHourly,
)
from app.db.models.staff import BranchMembership, User, UserRole

__all__ = [
    "Alert",
    "AuditLog",
    "Branch",
    "BranchCashMovement",
    "BranchMembership",
    "BranchTaxNumber",
    "BulkSettlementRequest",
    "BundleGroup",
    "BundleItem",
    "Category",
    "Courier",
    "CourierTransaction",
    "Customer",
    "CustomerAddress",
    "CustomerPhone",
    "CustomerPrice",
    "Delivery",
    "Device",
    "Invoice",
    "InvoiceCounter",
    "KitchenTicket",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderTokenCounter",
    "Payment",
    "PaymentRefund",
    "PosProfile",
    "Product",
    "ProductPrice",
    "ProductStock",
    "ProductUnit",
    "ReportAnomaly",
    "ReportCashierDaily",
    "ReportCustomerDaily",
    "ReportDay",
    "ReportDeliveryDaily",
    "ReportItemTimesDaily",
    "ReportKitchenHourly",
    "ReportMailLog",
    "ReportPaymentsDaily",
    "ReportProductDaily",
    "ReportRecipient",
    "ReportSalesHourly",
    "ServiceTicket",
    "ServiceTicketCounter",
    "Settlement",
    "Shift",
    "ShiftCashMovement",
    "ShiftCount",
    "Station",
    "Territory",
    "Trip",
    "User",
    "UserPreference",
    "UserRole",
]
