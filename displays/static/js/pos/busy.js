// Busy mode at the till: a channel the manager paused (from the kanban) cannot be picked, and a banner says
// why, from the moment its `channel.paused` event arrives; the paused list is read when the till starts.

import { call } from "./net.js";
import { t } from "/static/js/shared/i18n.js";
import { channelLabel } from "/static/js/shared/labels.js";
import { listText } from "/static/js/shared/format.js";

const T = {
  paused: (names) => t("Busy mode: {names} orders are paused by the manager.", { names }),
  option: (name) => t("{name} (paused)", { name }),
};

export class BusyMode {
  constructor({ select, banner, onChange = () => {} }) {
    this.select = select;
    this.banner = banner;
    this.onChange = onChange;
    this.paused = new Map();
  }

  /** The branch's paused channels: `known` when the till's start read carried them, else read here. */
  async load(branchId, known = null) {
    this.paused.clear();
    try {
      for (const pause of known || (await call("GET", `/api/v1/menu/branches/${branchId}/pauses`))) {
        this.paused.set(pause.channel, pause);
      }
    } catch {
      // Offline or an older server: nothing is known to be paused; the server still refuses a paused one.
    }
    this.render();
  }

  apply(data) {
    if (data.paused) this.paused.set(data.channel, data);
    else this.paused.delete(data.channel);
    this.render();
  }

  render() {
    for (const option of this.select.options) {
      const paused = this.paused.has(option.value);
      option.disabled = paused;
      if (!option.dataset.label) option.dataset.label = option.textContent;
      option.textContent = paused ? T.option(option.dataset.label) : option.dataset.label;
    }
    if (this.paused.has(this.select.value)) {
      const open = [...this.select.options].find((o) => !o.disabled);
      if (open) {
        this.select.value = open.value;
        this.onChange();
      }
    }
    const names = listText([...this.paused.keys()].map((c) => channelLabel(c)));
    this.banner.hidden = !this.paused.size;
    this.banner.textContent = this.paused.size ? T.paused(names) : "";
  }
}
