// /admin/devices: a manager pairs a display by the code it shows (for a branch, as the queue TV or a
// kitchen station) and revokes paired ones. Revoking ends the display's access and its live connection
// at once.

import { api } from "./api.js";

const form = document.getElementById("approve-form");
const branchSelect = document.getElementById("branch");
const stationSelect = document.getElementById("station");
const stationLabel = document.getElementById("station-label");
const errorBox = document.getElementById("approve-error");
const doneBox = document.getElementById("approve-done");
const table = document.querySelector("#devices tbody");
const empty = document.getElementById("devices-empty");

function role() {
  return form.querySelector("input[name=role]:checked").value;
}

async function loadStations() {
  const stations = await api("GET", `/api/v1/stations?branch_id=${branchSelect.value}`);
  stationSelect.replaceChildren(
    ...stations.map((s) => {
      const option = document.createElement("option");
      option.value = s.code;
      option.textContent = s.name;
      return option;
    }),
  );
}

function syncRole() {
  const station = role() === "station";
  stationSelect.hidden = !station;
  stationLabel.hidden = !station;
}

function when(value) {
  return value ? new Date(value).toLocaleString() : "never";
}

async function loadDevices() {
  const devices = await api("GET", `/api/v1/devices?branch_id=${branchSelect.value}`);
  table.replaceChildren(
    ...devices.map((d) => {
      const row = document.createElement("tr");
      row.dataset.deviceId = d.id;
      row.dataset.status = d.status;
      const shows = d.role === "station" ? `Station ${d.station_code}` : "Queue TV";
      for (const text of [d.name, shows, d.status, when(d.last_seen_at)]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      const actions = document.createElement("td");
      if (d.status === "approved") {
        const revoke = document.createElement("button");
        revoke.type = "button";
        revoke.className = "revoke";
        revoke.textContent = "Revoke";
        revoke.addEventListener("click", async () => {
          if (!window.confirm(`Unpair "${d.name}"? It stops showing its screen at once.`)) return;
          revoke.disabled = true;
          try {
            await api("POST", `/api/v1/devices/${d.id}/revoke`);
          } finally {
            await loadDevices();
          }
        });
        actions.append(revoke);
      }
      row.append(actions);
      return row;
    }),
  );
  empty.hidden = devices.length > 0;
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
  try {
    const device = await api("POST", "/api/v1/devices/approve", body);
    doneBox.textContent = `Paired "${device.name}". The display opens its screen within a few seconds.`;
    doneBox.hidden = false;
    form.code.value = "";
    form.name.value = "";
    await loadDevices();
  } catch (error) {
    errorBox.textContent = error.status === 404 ? "No display is showing that code (it may have expired)." : error.message;
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
