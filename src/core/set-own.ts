// Building objects from untrusted keys: a YAML key may be "__proto__", and plain assignment would set the
// object's prototype instead of a property.

/** Sets an own, enumerable property, whatever the key. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
