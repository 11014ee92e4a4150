// App-wide UI state: current screen, language, theme, a change counter bumped whenever the
// books change (the `books-changed` event from Rust), and toasts.
import { listen } from "@tauri-apps/api/event";
import type { Lang } from "./i18n";
import type { SessionView } from "./bindings/SessionView";

export type Screen = "beranda" | "kasir" | "chat" | "produk" | "stok" | "transaksi" | "kontak" | "laporan" | "pengaturan";

export const ui = $state({
  screen: "kasir" as Screen,
  lang: "id" as Lang,
  theme: "light" as "light" | "dark",
  changes: 0,
  dbPath: "",
  offsetMinutes: 7 * 60,
  toasts: [] as { id: number; text: string; kind: "ok" | "error" }[],
  /** A product form to open with this barcode filled in (the Kasir's unknown scan). */
  newProductCode: null as string | null,
  /** A product to put in the cart when the Kasir shows again (just created from it). */
  addToCart: null as number | null,
  /** Who is at the counter; `locked` shows the sign-in screen. */
  session: null as SessionView | null,
  /** An owner's PIN asked for an action a cashier tried (the OwnerPin dialog). */
  ownerAsk: null as { action: string; message: string; resolve: (ok: boolean) => void } | null,
});

/** Asks for an owner's PIN for `action`; resolves true once an owner approved it. */
export function askOwner(action: string, message: string): Promise<boolean> {
  return new Promise((resolve) => {
    ui.ownerAsk?.resolve(false);
    ui.ownerAsk = { action, message, resolve };
  });
}

/** Screens a cashier opens only with an owner's PIN. */
export const BACK_OFFICE = new Set(["produk", "stok", "laporan", "pengaturan"]);

let nextToast = 1;
export function toast(text: string, kind: "ok" | "error" = "ok") {
  const id = nextToast++;
  ui.toasts.push({ id, text, kind });
  // At most three at a time: a busy counter does not bury the screen in notices.
  if (ui.toasts.length > 3) ui.toasts = ui.toasts.slice(-3);
  setTimeout(() => {
    ui.toasts = ui.toasts.filter((t) => t.id !== id);
  }, kind === "error" ? 6000 : 3000);
}

export async function watchBooks() {
  await listen("books-changed", () => {
    ui.changes += 1;
  });
}
