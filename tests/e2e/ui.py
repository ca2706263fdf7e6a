"""Browser-test helpers for every screen: accessibility (axe-core from npm, injected from the local file,
never a CDN), layout sanity (nothing spills out of its box, in either direction), touch-target sizes,
and screenshots at the real device sizes.

    await assert_no_axe_violations(page)            # 0 serious/critical
    await assert_nothing_overflows(page)
    await assert_touch_targets(page)                 # every visible control ≥ 44 x 44 px
    await shoot(page, "login-ar-phone")              # /tmp/shots/<name>.png, then LOOK at it
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parents[2] / "displays" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(os.environ.get("PASSLINE_SHOTS", "/tmp/shots"))

TABLET = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TV = {"width": 1920, "height": 1080}
DEVICES = {"tablet": TABLET, "phone": PHONE, "tv": TV}

_AXE_RUN = """async (options) => {
  const result = await axe.run(document, options);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
  }));
}"""


async def axe_violations(
    page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[dict[str, Any]]:
    if not AXE_JS.exists():
        raise AssertionError("axe-core is missing: run `make setup` (displays/node_modules)")
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE_JS))
    options = {"resultTypes": ["violations"]}
    violations: list[dict[str, Any]] = await page.evaluate(_AXE_RUN, options)
    return [v for v in violations if v["impact"] in impacts]


async def assert_no_axe_violations(page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")) -> None:
    found = await axe_violations(page, impacts=impacts)
    assert not found, "axe: " + "; ".join(
        f"{v['impact']} {v['id']} ({v['help']}): " + ", ".join(n["target"] for n in v["nodes"]) for v in found
    )


_OVERFLOWS = """() => {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) out.push(`page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden" || el.closest("[hidden]")) continue;
    if (["SCRIPT", "STYLE", "TEMPLATE", "OPTION"].includes(el.tagName)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.left < -1 || r.right > doc.clientWidth + 1) {
      if (!el.closest(".skip-link, .visually-hidden")) out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${el.className} outside the viewport (${Math.round(r.left)}..${Math.round(r.right)})`);
      continue;
    }
    // A table wider than the card it sits in, with nothing between them to scroll it: it spills over the
    // card's edge (inside the viewport, so the test above does not see it).
    if (el.tagName === "TABLE") {
      const card = el.parentElement && el.parentElement.closest(".card");
      let scrolls = false;
      for (let up = el.parentElement; up && !scrolls; up = up === card ? null : up.parentElement) {
        scrolls = ["auto", "scroll"].includes(getComputedStyle(up).overflowX);
      }
      const box = card && card.getBoundingClientRect();
      if (box && !scrolls && (r.left < box.left - 1 || r.right > box.right + 1)) {
        out.push(`table${el.id ? "#" + el.id : ""}.${el.className} spills out of its card (${Math.round(r.left)}..${Math.round(r.right)} in ${Math.round(box.left)}..${Math.round(box.right)})`);
      }
    }
    // Text cut off by its own box (a clipped label or price) — scrollers are allowed to scroll.
    const clips = ["hidden", "clip"].includes(style.overflowX) || ["hidden", "clip"].includes(style.overflowY);
    if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) && el.textContent.trim()) {
      if (!el.closest(".visually-hidden")) out.push(`${el.tagName.toLowerCase()}.${el.className} clips its content`);
    }
  }
  return out.slice(0, 20);
}"""


async def assert_nothing_overflows(page: Any) -> None:
    problems: list[str] = await page.evaluate(_OVERFLOWS)
    assert not problems, "overflow: " + "; ".join(problems)


_SMALL_TARGETS = """(min) => {
  const out = [];
  for (const el of document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, [role=button], [role=tab]")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden" || el.closest("[hidden]")) continue;
    if (el.closest(".skip-link")) continue;
    let r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    // A radio or checkbox inside its label: the whole label is the target.
    const label = ["radio", "checkbox"].includes(el.type) ? el.closest("label") : null;
    if (label) r = label.getBoundingClientRect();
    // Links inside a sentence are exempt (WCAG 2.5.8 inline exception).
    if (el.tagName === "A" && style.display === "inline") continue;
    if (r.width < min - 0.5 || r.height < min - 0.5) out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  return out;
}"""


async def assert_touch_targets(page: Any, minimum: int = 44) -> None:
    small: list[str] = await page.evaluate(_SMALL_TARGETS, minimum)
    assert not small, f"controls under {minimum}px: " + ", ".join(small)


async def shoot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 — one mkdir, nothing to await for
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


def plain(text: str) -> str:
    """Text as a person reads it: without the Unicode isolates that keep money and references whole in
    right-to-left text (U+2066 to U+2069), no-break spaces as spaces."""
    return re.sub("[\u2066-\u2069]", "", text).replace("\xa0", " ")


async def text_of(page: Any, selector: str) -> str:
    return plain(await page.inner_text(selector))
