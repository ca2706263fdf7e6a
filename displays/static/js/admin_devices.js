// /admin/devices: a manager pairs a display by the code it shows (for a branch, as the queue TV or a
// kitchen station) and revokes paired ones. Revoking ends the display's access and its live connection
// at once.

import { confirm } from "/static/js/shared/dialog.js";
import { h } from "/static/js/shared/dom.js";
import { dateTime } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";

const form = document.getElementById("approve-form");
const branchSelect = document.getElementById("branch");
const stationSelect = document.getElementById("station");
const stationField = document.getElementById("station-field");
const errorBox = document.getElementById("approve-error");
const doneBox = document.getElementById("approve-done");
const table = document.querySelector("#devices tbody");
const empty = document.getElementById("devices-empty");

const STATUS = { pending: t("waiting"), approved: t("paired"), revoked: t("unpaired") };

function role() {
  return form.querySelector("input[name=role]:checked").value;
}

async function loadStations() {
  const result = await http.get(`/api/v1/stations?branch_id=${branchSelect.value}`);
  if (!result.ok) return toast.error(result.error.message);
  stationSelect.replaceChildren(...result.data.map((s) => h("option", { text: s.name, attrs: { value: s.code } })));
}

function syncRole() {
  stationField.hidden = role() !== "station";
}

async function revoke(device, button) {
  const sure = await confirm({
    title: t("Unpair {name}?", { name: device.name }),
    message: t("It stops showing its screen at once."),
    confirmLabel: t("Unpair"),
    danger: true,
  });
  if (!sure) return;
  button.disabled = true;
  const result = await http.post(`/api/v1/devices/${device.id}/revoke`);
  if (!result.ok) toast.error(result.error.message);
  await loadDevices();
}

function deviceRow(d) {
  const shows = d.role === "station" ? t("Station {code}", { code: d.station_code }) : t("Queue TV");
  const button =
    d.status === "approved"
      ? h("button", { class: "btn btn-danger revoke", text: t("Revoke"), attrs: { type: "button" } })
      : null;
  if (button) button.addEventListener("click", () => revoke(d, button));
  return h(
    "tr",
    { dataset: { deviceId: d.id, status: d.status } },
    h("td", { attrs: { dir: "auto" }, text: d.name }),
    h("td", { text: shows }),
    h("td", { text: STATUS[d.status] || d.status }),
    h("td", { text: d.last_seen_at ? dateTime(d.last_seen_at) : t("never") }),
    h("td", null, button),
  );
}

async function loadDevices() {
  const result = await http.get(`/api/v1/devices?branch_id=${branchSelect.value}`);
  if (!result.ok) return toast.error(result.error.message);
  table.replaceChildren(...result.data.map(deviceRow));
  empty.hidden = result.data.length > 0;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = doneBox.hidden = true;
  const body = {
    code: form.code.value.trim(),
    branch_id: Number(branchSelect.value),
    role: role(),
    name: form.name.value.trim(),
  };
  if (body.role === "station") body.station_code = stationSelect.value;
  const result = await http.post("/api/v1/devices/approve", body);
  if (result.ok) {
    doneBox.textContent = t("Paired {name}. The display opens its screen within a few seconds.", {
      name: result.data.name,
    });
    doneBox.hidden = false;
    form.code.value = "";
    form.name.value = "";
    await loadDevices();
  } else {
    errorBox.textContent =
      result.status === 404 ? t("No display is showing that code (it may have expired).") : result.error.message;
    errorBox.hidden = false;
  }
});

form.addEventListener("change", (event) => {
  if (event.target.name === "role") syncRole();
});
branchSelect.addEventListener("change", () => {
  loadStations();
  loadDevices();
});

syncRole();
if (branchSelect.value) {
  loadStations();
  loadDevices();
}
