/**
 * The one DOM helper of the views still built by hand (attempts, order).
 */

/** A new `tag` element with `className`, appended to `parent`. */
export function append<K extends keyof HTMLElementTagNameMap>(parent: HTMLElement, tag: K, className: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  element.className = className;
  parent.appendChild(element);
  return element;
}
