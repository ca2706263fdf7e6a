// The walk-in kiosk (/queue/{branch}/kiosk): tap a service, get a number with an estimated wait, print it.
// Public: no login, no device token; the server limits how fast numbers can be taken.

const root = document.getElementById("kiosk");
const branchId = Number(root.dataset.branch);
const pick = document.getElementById("kiosk-pick");
const slip = document.getElementById("kiosk-ticket");
const errorBox = document.getElementById("kiosk-error");
// Back to the service buttons by itself, for the next customer.
const RESET_AFTER_MS = 30_000;
let resetTimer = null;

function minutes(seconds) {
  if (seconds <= 0) return "You are next";
  const m = Math.max(1, Math.round(seconds / 60));
  return `About ${m} minute${m === 1 ? "" : "s"} wait`;
}

function reset() {
  clearTimeout(resetTimer);
  slip.hidden = true;
  pick.hidden = false;
  errorBox.hidden = true;
}

function show(ticket, title) {
  document.getElementById("ticket-number").textContent = String(ticket.number);
  document.getElementById("ticket-service").textContent = title;
  document.getElementById("ticket-wait").textContent = minutes(ticket.estimated_wait_seconds);
  document.getElementById("ticket-time").textContent = new Date(ticket.created_at).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
  });
  root.dataset.number = String(ticket.number);
  pick.hidden = true;
  slip.hidden = false;
  clearTimeout(resetTimer);
  resetTimer = setTimeout(reset, RESET_AFTER_MS);
}

pick.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-service]");
  if (!button) return;
  for (const b of pick.querySelectorAll("button")) b.disabled = true;
  errorBox.hidden = true;
  try {
    const response = await fetch(`/api/v1/queue/${branchId}/tickets`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ service: button.dataset.service }),
    });
    const body = await response.json().catch(() => null);
    if (response.ok) show(body, button.textContent.trim());
    else if (response.status === 429) errorBox.textContent = "Many numbers were just taken. Please try again in a moment.";
    else errorBox.textContent = (body && body.detail) || "Something went wrong. Please ask at the counter.";
    errorBox.hidden = response.ok;
  } catch {
    errorBox.textContent = "The queue is unreachable right now. Please ask at the counter.";
    errorBox.hidden = false;
  } finally {
    for (const b of pick.querySelectorAll("button")) b.disabled = false;
  }
});

document.getElementById("ticket-print").addEventListener("click", () => window.print());
document.getElementById("ticket-done").addEventListener("click", reset);
