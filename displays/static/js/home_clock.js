// The home screen's time clock: the signed-in person clocks in at one of their branches and out again.
// The server keeps one open entry per person, so a second tap (or a second tab) gets a clear refusal
// rather than a second shift; the status is read back from the server after every tap.

import { clear, h } from "/static/js/shared/dom.js";
import { bidi, time } from "/static/js/shared/format.js";
import { formatAge, serverClock, toMs } from "/static/js/shared/clock.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";

export async function mountClock(root) {
  let status = null;
  let ticker = null;

  async function refresh() {
    const r = await http.get("/api/v1/clock");
    if (!r.ok) return;
    status = r.data;
    render();
  }

  async function punch(path, body) {
    const button = root.querySelector("#clock-button");
    if (button) button.disabled = true;
    const r = await http.post(path, body);
    if (!r.ok) toast.error(r.offline ? t("No connection to the server.") : r.error.message);
    else toast.ok(path.endsWith("/in") ? t("Clocked in.") : t("Clocked out."));
    await refresh();
  }

  function render() {
    clearInterval(ticker);
    clear(root);
    const open = status.open;
    if (!open && !status.branches.length) {
      root.hidden = true;
      return;
    }
    root.hidden = false;
    const line = h("p", { class: "home-clock-status", attrs: { id: "clock-status", role: "status" } });
    root.append(h("h2", { class: "home-clock-title", text: t("Time clock"), attrs: { id: "clock-title" } }), line);
    if (open) {
      const since = () => {
        line.textContent = t("Clocked in at {branch} since {time} ({worked})", {
          branch: bidi(open.branch_name),
          time: time(open.clock_in_at),
          worked: formatAge(serverClock.now() - toMs(open.clock_in_at)),
        });
      };
      since();
      ticker = setInterval(since, 1000);
      root.append(
        h("button", { class: "btn btn-lg btn-danger home-clock-button", text: t("Clock out"), attrs: { type: "button", id: "clock-button" }, on: { click: () => punch("/api/v1/clock/out") } }),
      );
      root.dataset.state = "in";
      return;
    }
    line.textContent = t("You are clocked out.");
    let select = null;
    if (status.branches.length > 1) {
      select = h("select", { class: "input", attrs: { id: "clock-branch" } }, ...status.branches.map((b) => h("option", { text: b.name, attrs: { value: String(b.id) } })));
      root.append(h("label", { class: "field home-clock-branch", attrs: { for: "clock-branch" } }, t("Branch"), select));
    }
    root.append(
      h("button", {
        class: "btn btn-lg btn-primary home-clock-button",
        text: t("Clock in"),
        attrs: { type: "button", id: "clock-button" },
        on: { click: () => punch("/api/v1/clock/in", { branch_id: select ? Number(select.value) : status.branches[0].id }) },
      }),
    );
    root.dataset.state = "out";
  }

  await refresh();
}
