// The People screen's "Time clock" part: a person's clock entries of the last two weeks, and a manager's
// correction of one (the times as they should be, typed in the branch's own time, and why). Closing a
// forgotten entry is the same correction with a clock-out time. The server audits every one.

import { clear, h } from "/static/js/shared/dom.js";
import { dateTime, number } from "/static/js/shared/format.js";
import { clockIn, dateIn, serverClock, wallTimeIn } from "/static/js/shared/clock.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { field, modal, showError } from "/static/js/admin/common.js";

const pad = (n) => String(n).padStart(2, "0");

function dayText(value, zone) {
  const d = dateIn(Date.parse(value), zone);
  return `${d.year}-${pad(d.month)}-${pad(d.day)}`;
}

function instant(dayValue, timeValue, zone) {
  if (!dayValue || !timeValue) return null;
  const [year, month, day] = dayValue.split("-").map(Number);
  return new Date(wallTimeIn({ year, month, day }, timeValue, zone)).toISOString();
}

/** The section for `person` (an existing account). */
export function clockSection(person) {
  const list = h("tbody");
  const section = h(
    "fieldset",
    { class: "as-fieldset", attrs: { id: "time-entries" } },
    h("legend", { class: "as-subtitle", text: t("Time clock: last two weeks") }),
    h(
      "table",
      { class: "table as-table" },
      h(
        "thead",
        {},
        h("tr", {}, h("th", { text: t("Branch") }), h("th", { text: t("In") }), h("th", { text: t("Out") }), h("th", { text: t("Hours"), class: "n" }), h("th", { text: t("Note") }), h("th", {}, h("span", { class: "visually-hidden", text: t("Actions") }))),
      ),
      list,
    ),
  );

  function show(entries) {
    clear(list);
    if (!entries.length) {
      list.append(h("tr", {}, h("td", { class: "empty", text: t("No clock entries in the last two weeks."), attrs: { colspan: "6" } })));
      return;
    }
    for (const entry of entries) {
      list.append(
        h(
          "tr",
          { dataset: { entry: String(entry.id) } },
          h("td", {}, h("bdi", { text: entry.branch_name })),
          h("td", { text: dateTime(entry.clock_in_at) }),
          h("td", {}, entry.clock_out_at ? dateTime(entry.clock_out_at) : h("span", { class: "badge badge-warn", text: t("still in") })),
          h("td", { class: "n", text: number(entry.seconds / 3600, { maximumFractionDigits: 2 }) }),
          h("td", {}, h("bdi", { text: entry.note })),
          h("td", {}, h("button", { class: "btn btn-ghost", text: entry.clock_out_at ? t("Correct") : t("Close or correct"), attrs: { type: "button" }, on: { click: () => correct(entry) } })),
        ),
      );
    }
  }

  async function load() {
    const since = new Date(serverClock.now() - 14 * 86400000).toISOString().slice(0, 10);
    const r = await http.get(`/api/v1/clock/entries?${new URLSearchParams({ user_id: person.id, from: since })}`);
    if (r.ok) show(r.data);
    else section.hidden = true;
  }

  function correct(entry) {
    const zone = entry.branch_timezone;
    const input = (name, type, value) => h("input", { class: "input", attrs: { name, type, value: value || "", dir: "ltr" } });
    const inDay = input("in_day", "date", dayText(entry.clock_in_at, zone));
    const inTime = input("in_time", "time", clockIn(entry.clock_in_at, zone));
    const outAt = entry.clock_out_at || new Date(serverClock.now()).toISOString();
    const outDay = input("out_day", "date", dayText(outAt, zone));
    const outTime = input("out_time", "time", entry.clock_out_at ? clockIn(entry.clock_out_at, zone) : "");
    const reason = h("input", { class: "input", attrs: { name: "reason", autocomplete: "off", required: true } });
    const form = h(
      "div",
      {},
      h("p", { class: "as-muted", text: t("Times are in the branch's time ({zone}).", { zone }) }),
      h("div", { class: "as-grid" }, field(t("Clock-in day"), inDay, "clock_in_at"), field(t("Clock-in time"), inTime, "clock_in_time")),
      h("div", { class: "as-grid" }, field(t("Clock-out day"), outDay, "clock_out_at"), field(t("Clock-out time (empty: still in)"), outTime, "clock_out_time")),
      field(t("Why"), reason, "reason"),
    );
    const save = h("button", { class: "btn btn-primary", text: t("Save the correction"), attrs: { type: "button" } });
    const dialog = modal({ title: t("Clock entry of {name}", { name: entry.user_name }), body: [form], actions: [save], wide: false });
    save.addEventListener("click", async () => {
      const body = {
        clock_in_at: instant(inDay.value, inTime.value, zone),
        clock_out_at: instant(outDay.value, outTime.value, zone),
        reason: reason.value.trim(),
      };
      if (!body.clock_in_at) {
        inTime.setAttribute("aria-invalid", "true");
        inTime.focus();
        return;
      }
      const r = await http.put(`/api/v1/clock/entries/${entry.id}`, body);
      if (!r.ok) return showError(r, form);
      dialog.close();
      toast.ok(t("Entry corrected."));
      load();
    });
  }

  load();
  return section;
}
