// Drag and drop of cards between columns with Pointer Events: one code path for mouse, pen and touch.
//
// - Mouse and pen: the drag starts once the pointer moved a few pixels with the button down (a click on
//   the card stays a click).
// - Touch: the grip (⠿) has `touch-action: none`, so a finger on it drags at once; anywhere else on the
//   card a long press starts the drag, and a quick swipe keeps scrolling the column as usual. Once a
//   drag runs, a non-passive `touchmove` listener stops the browser from turning the gesture into a
//   scroll (which would end it with `pointercancel`).
//
// The card stays where it is (dimmed) while a ghost copy follows the pointer; drop zones are elements
// with `data-drop`, found under the pointer with elementFromPoint (the ghost ignores pointer events).
// The board must not move the dragged card's element while a drag runs (`isDragging()`): a touch's
// implicit pointer capture would go with it.

const MOUSE_SLOP = 5;
const GRIP_SLOP = 3;
const TOUCH_SLOP = 10;
const LONG_PRESS_MS = 350;
const EDGE = 48; // px from the board's edge where it scrolls by itself
const EDGE_SPEED = 18; // px per frame at the very edge

export function enableDrag(root, { canDrag, targetsFor, onDrop, onRefused, onEnd }) {
  let pending = null; // pointer down on a card, drag not started yet
  let drag = null; // a drag in progress
  let suppressClick = false;

  function reset() {
    if (pending && pending.timer) clearTimeout(pending.timer);
    pending = null;
  }

  function start(x, y) {
    const { card, pointerId } = pending;
    reset();
    const rect = card.getBoundingClientRect();
    const ghost = card.cloneNode(true);
    ghost.classList.add("kb-ghost");
    ghost.removeAttribute("id");
    ghost.setAttribute("aria-hidden", "true");
    ghost.style.width = `${rect.width}px`;
    document.body.append(ghost);
    const targets = targetsFor(card);
    for (const zone of root.querySelectorAll("[data-drop]")) {
      const key = zone.dataset.drop;
      if (key === card.dataset.state) continue;
      zone.classList.add(targets.has(key) ? "kb-drop-ok" : "kb-drop-no");
    }
    card.classList.add("kb-dragging");
    document.documentElement.classList.add("kb-drag-active");
    drag = { card, pointerId, ghost, dx: x - rect.left, dy: y - rect.top, targets, over: null, x, y, frame: 0 };
    place(x, y);
    drag.frame = requestAnimationFrame(autoScroll);
  }

  function place(x, y) {
    drag.x = x;
    drag.y = y;
    drag.ghost.style.transform = `translate(${x - drag.dx}px, ${y - drag.dy}px)`;
    const hit = document.elementFromPoint(x, y);
    const zone = hit ? hit.closest("[data-drop]") : null;
    if (zone !== drag.over) {
      if (drag.over) drag.over.classList.remove("kb-drop-over");
      drag.over = zone && root.contains(zone) ? zone : null;
      if (drag.over) drag.over.classList.add("kb-drop-over");
    }
  }

  function autoScroll() {
    if (!drag) return;
    const board = root.querySelector(".kb-board");
    if (board) {
      const rect = board.getBoundingClientRect();
      if (drag.x < rect.left + EDGE) board.scrollLeft -= EDGE_SPEED * (1 - (drag.x - rect.left) / EDGE);
      else if (drag.x > rect.right - EDGE) board.scrollLeft += EDGE_SPEED * (1 - (rect.right - drag.x) / EDGE);
    }
    if (drag.y < EDGE) window.scrollBy(0, -EDGE_SPEED);
    else if (drag.y > window.innerHeight - EDGE) window.scrollBy(0, EDGE_SPEED);
    drag.frame = requestAnimationFrame(autoScroll);
  }

  function finish(drop) {
    const current = drag;
    drag = null;
    cancelAnimationFrame(current.frame);
    current.ghost.remove();
    current.card.classList.remove("kb-dragging");
    document.documentElement.classList.remove("kb-drag-active");
    for (const zone of root.querySelectorAll(".kb-drop-ok, .kb-drop-no, .kb-drop-over")) {
      zone.classList.remove("kb-drop-ok", "kb-drop-no", "kb-drop-over");
    }
    suppressClick = true;
    setTimeout(() => {
      suppressClick = false;
    }, 0);
    try {
      if (drop && current.over) {
        const key = current.over.dataset.drop;
        if (key !== current.card.dataset.state) {
          if (current.targets.has(key)) onDrop(current.card, key);
          else onRefused(current.card, key);
        }
      }
    } finally {
      onEnd();
    }
  }

  root.addEventListener("pointerdown", (event) => {
    if (drag || pending) return;
    if (event.pointerType === "mouse" && event.button !== 0) return;
    const card = event.target.closest(".kb-card");
    if (!card || !root.contains(card) || !canDrag(card)) return;
    const grip = event.target.closest(".kb-grip");
    // Controls inside a card (its menu button, links) keep their own meaning. The fold of its items is
    // not one of them: a tap opens it, but a press held or moved there drags the card like the rest of it.
    if (!grip && event.target.closest("button, a, input, select, textarea")) return;
    pending = {
      card,
      pointerId: event.pointerId,
      type: event.pointerType,
      grip: Boolean(grip),
      x0: event.clientX,
      y0: event.clientY,
      x: event.clientX,
      y: event.clientY,
      timer: null,
    };
    if (event.pointerType === "touch" && !grip) {
      pending.timer = setTimeout(() => {
        if (pending) {
          if (navigator.vibrate) navigator.vibrate(15);
          start(pending.x, pending.y);
        }
      }, LONG_PRESS_MS);
    }
    if (event.pointerType === "mouse") event.preventDefault(); // no text selection while dragging
  });

  document.addEventListener("pointermove", (event) => {
    if (drag && event.pointerId === drag.pointerId) {
      place(event.clientX, event.clientY);
      return;
    }
    if (!pending || event.pointerId !== pending.pointerId) return;
    pending.x = event.clientX;
    pending.y = event.clientY;
    const moved = Math.hypot(event.clientX - pending.x0, event.clientY - pending.y0);
    if (pending.type === "touch" && !pending.grip) {
      // Moving before the long press fired is a scroll, not a drag.
      if (moved > TOUCH_SLOP) reset();
      return;
    }
    if (moved > (pending.grip ? GRIP_SLOP : MOUSE_SLOP)) start(event.clientX, event.clientY);
  });

  const up = (event) => {
    if (drag && event.pointerId === drag.pointerId) finish(event.type === "pointerup");
    else if (pending && event.pointerId === pending.pointerId) reset();
  };
  document.addEventListener("pointerup", up);
  document.addEventListener("pointercancel", up);

  // Once a drag (or a press on the grip) is under way, the finger must not scroll the page.
  document.addEventListener(
    "touchmove",
    (event) => {
      if (drag || (pending && pending.grip)) event.preventDefault();
    },
    { passive: false },
  );
  root.addEventListener("contextmenu", (event) => {
    if (drag || pending) event.preventDefault(); // a long press is a drag here, not a menu
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && drag) {
      drag.over = null;
      finish(false);
    }
  });
  root.addEventListener(
    "click",
    (event) => {
      if (suppressClick) {
        event.stopPropagation();
        event.preventDefault();
      }
    },
    true,
  );

  return {
    isDragging: () => drag !== null,
  };
}
