/** Where the slider sits for what is typed: typed values outside 0–100 pin it to an end. */
export function sliderPosition(draft: string): number {
  const value = Number(draft);
  if (draft.trim() === "" || !Number.isFinite(value)) return 0;
  return Math.min(100, Math.max(0, value));
}
