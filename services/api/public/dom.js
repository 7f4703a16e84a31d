/**
 * Builds an element. Children that are not nodes become text nodes (never parsed as HTML), so names,
 * configs and error messages from the API cannot inject markup.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    // Through CSSOM: the Content-Security-Policy (style-src 'self') refuses style attributes, not this.
    else if (key === 'style') el.style.cssText = value;
    else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected')
      el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces every child of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A list of `path: message` entries, as every 400 of the API reports them. */
export function errorList(el, error) {
  const details = error?.details?.length
    ? error.details
    : [{ path: '', message: error?.message ?? String(error) }];
  return fill(
    el,
    details.map((d) => h('li', null, h('code', null, d.path || '/'), ': ', d.message)),
  );
}

let noticeTimer;
/** A short message in the corner (failed actions, confirmations). */
export function notify(message, kind = 'info') {
  const el = document.getElementById('notice');
  if (!el) return;
  el.textContent = message;
  el.className = kind;
  el.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    el.hidden = true;
  }, 6000);
}

export const statusBadge = (status) => h('span', { class: `badge ${status}` }, status);

/** A form's submit handler that stays on the page (the dashboard submits through fetch). */
export const submitWith = (fn) => (event) => {
  event.preventDefault();
  fn();
};
