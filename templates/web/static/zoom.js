// Zoom and pan for an SVG inside a box: wheel (around the pointer), drag, buttons, keys.
// The view is kept in the SVG's own units (its left, top and pixels per unit), so a map
// drawn again with the same layout is shown at the same place when the view is handed back.
"use strict";

const Zoom = (() => {
  const READABLE = 1; // pixels per SVG point: Graphviz's 9-14 pt labels at 9-14 px
  const MOST = 6;
  const DRAGGED = 4; // pixels a press moves before it is a drag, not a click

  function box(svg) {
    const numbers = (svg.getAttribute("viewBox") || "").trim().split(/[\s,]+/).map(Number);
    if (numbers.length === 4 && numbers.every(Number.isFinite) && numbers[2] > 0 && numbers[3] > 0) {
      return { x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3] };
    }
    const width = parseFloat(svg.getAttribute("width")) || 1;
    const height = parseFloat(svg.getAttribute("height")) || 1;
    return { x: 0, y: 0, width, height };
  }

  // Mount on `frame` (the element holding `svg`); `view` is a view handed back by
  // `view()` of an earlier mount, or null for the default; `around` an element to centre.
  function mount(frame, svg, { view = null, around = null } = {}) {
    const whole = box(svg);
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    const size = () => ({ width: frame.clientWidth || 1, height: frame.clientHeight || 1 });
    const fitting = () => {
      const { width, height } = size();
      return Math.min(width / whole.width, height / whole.height);
    };
    const least = () => Math.min(fitting() * 0.5, READABLE);
    let current = { x: whole.x, y: whole.y, scale: 1 };

    function show(next) {
      const { width, height } = size();
      const scale = Math.min(MOST, Math.max(least(), next.scale));
      const seen = { width: width / scale, height: height / scale };
      // Keep some of the map in sight: the view may not leave it entirely.
      const x = Math.min(whole.x + whole.width - seen.width * 0.2, Math.max(whole.x - seen.width * 0.8, next.x));
      const y = Math.min(whole.y + whole.height - seen.height * 0.2, Math.max(whole.y - seen.height * 0.8, next.y));
      current = { x, y, scale };
      svg.setAttribute("width", String(width));
      svg.setAttribute("height", String(height));
      svg.setAttribute("viewBox", `${x} ${y} ${seen.width} ${seen.height}`);
      frame.dataset.scale = scale.toFixed(3);
    }

    function centreOn(cx, cy, scale) {
      const { width, height } = size();
      show({ x: cx - width / scale / 2, y: cy - height / scale / 2, scale });
    }

    function fit() {
      centreOn(whole.x + whole.width / 2, whole.y + whole.height / 2, fitting());
    }

    // Readable labels first: the whole map when it fits at that size, else its middle or
    // the element asked for, at the readable size.
    function start() {
      const scale = Math.max(fitting(), READABLE);
      if (fitting() >= READABLE) {
        centreOn(whole.x + whole.width / 2, whole.y + whole.height / 2, Math.min(fitting(), READABLE * 1.5));
        return;
      }
      fit(); // placed once, to read where the element asked for is drawn
      const rect = around ? around.getBoundingClientRect() : null;
      if (rect && rect.width > 0) {
        const frameRect = svg.getBoundingClientRect();
        const cx = current.x + (rect.left + rect.width / 2 - frameRect.left) / current.scale;
        const cy = current.y + (rect.top + rect.height / 2 - frameRect.top) / current.scale;
        centreOn(cx, cy, scale);
      } else {
        centreOn(whole.x + whole.width / 2, whole.y + whole.height / 2, scale);
      }
    }

    // Zoom by `factor` keeping the point at (px, py) pixels in the frame where it is.
    function zoomBy(factor, px, py) {
      const { width, height } = size();
      const at = { x: px ?? width / 2, y: py ?? height / 2 };
      const scale = Math.min(MOST, Math.max(least(), current.scale * factor));
      const ux = current.x + at.x / current.scale;
      const uy = current.y + at.y / current.scale;
      show({ x: ux - at.x / scale, y: uy - at.y / scale, scale });
    }

    function panBy(dx, dy) {
      show({ x: current.x - dx / current.scale, y: current.y - dy / current.scale, scale: current.scale });
    }

    function onWheel(event) {
      event.preventDefault();
      const rect = frame.getBoundingClientRect();
      const steps = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      zoomBy(Math.exp(-Math.max(-300, Math.min(300, steps)) * 0.002), event.clientX - rect.left, event.clientY - rect.top);
    }

    let press = null;
    let dragged = false;
    function onDown(event) {
      if (event.button !== 0) return;
      press = { x: event.clientX, y: event.clientY, id: event.pointerId };
      dragged = false;
    }
    function onMove(event) {
      if (!press || event.pointerId !== press.id) return;
      const dx = event.clientX - press.x;
      const dy = event.clientY - press.y;
      if (!dragged && Math.hypot(dx, dy) < DRAGGED) return;
      if (!dragged) {
        dragged = true;
        frame.setPointerCapture(event.pointerId);
        frame.classList.add("dragging");
      }
      panBy(dx, dy);
      press.x = event.clientX;
      press.y = event.clientY;
    }
    function onUp(event) {
      if (!press || event.pointerId !== press.id) return;
      press = null;
      frame.classList.remove("dragging");
      if (frame.hasPointerCapture(event.pointerId)) frame.releasePointerCapture(event.pointerId);
    }
    // A drag ends with a click on whatever is under the pointer: that click is not a choice.
    function onClick(event) {
      if (!dragged) return;
      dragged = false;
      event.stopPropagation();
      event.preventDefault();
    }

    const KEYS = {
      "+": () => zoomBy(1.25), "=": () => zoomBy(1.25), "-": () => zoomBy(0.8), "_": () => zoomBy(0.8),
      "0": fit, "1": () => zoomBy(READABLE / current.scale),
      ArrowLeft: () => panBy(60, 0), ArrowRight: () => panBy(-60, 0),
      ArrowUp: () => panBy(0, 60), ArrowDown: () => panBy(0, -60),
    };
    function onKey(event) {
      if (event.target !== frame || event.ctrlKey || event.metaKey || event.altKey) return;
      const action = KEYS[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    }

    function onResize() { show(current); }

    frame.addEventListener("wheel", onWheel, { passive: false });
    frame.addEventListener("pointerdown", onDown);
    frame.addEventListener("pointermove", onMove);
    frame.addEventListener("pointerup", onUp);
    frame.addEventListener("pointercancel", onUp);
    frame.addEventListener("click", onClick, true);
    frame.addEventListener("keydown", onKey);
    window.addEventListener("resize", onResize);

    if (view && Number.isFinite(view.x) && Number.isFinite(view.y) && Number.isFinite(view.scale)) show(view);
    else start();

    return {
      zoomIn: () => zoomBy(1.25),
      zoomOut: () => zoomBy(0.8),
      fit,
      readable: () => zoomBy(READABLE / current.scale),
      view: () => ({ ...current }),
      unmount() {
        frame.removeEventListener("wheel", onWheel);
        frame.removeEventListener("pointerdown", onDown);
        frame.removeEventListener("pointermove", onMove);
        frame.removeEventListener("pointerup", onUp);
        frame.removeEventListener("pointercancel", onUp);
        frame.removeEventListener("click", onClick, true);
        frame.removeEventListener("keydown", onKey);
        window.removeEventListener("resize", onResize);
      },
    };
  }

  return { mount };
})();
