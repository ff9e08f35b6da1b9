// What a form says after it moves on to another page ("Saved: 李娜" on the member card it opened):
// set before changing the hash, taken once by the page that shows it.
let pending: string | null = null;

export function setFlash(text: string): void {
  pending = text;
}

export function takeFlash(): string | null {
  const text = pending;
  pending = null;
  return text;
}
