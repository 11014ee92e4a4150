// Typed calls to the Rust commands. Input/output types are generated from Rust (bindings/),
// so UI and core cannot drift. Errors arrive as { code, message } (ErrorBody).
import { invoke as tauriInvoke } from "@tauri-apps/api/core";
import { askOwner, ui } from "./state.svelte";
import type { ChatMessage } from "./bindings/ChatMessage";
import type { ChatReply } from "./bindings/ChatReply";
import type { Contact } from "./bindings/Contact";
import type { CountLine } from "./bindings/CountLine";
import type { Dashboard } from "./bindings/Dashboard";
import type { DayFigures } from "./bindings/DayFigures";
import type { DebtEntry } from "./bindings/DebtEntry";
import type { ErrorBody } from "./bindings/ErrorBody";
import type { Expense } from "./bindings/Expense";
import type { LowStockItem } from "./bindings/LowStockItem";
import type { Movement } from "./bindings/Movement";
import type { NewExpense } from "./bindings/NewExpense";
import type { NewProduct } from "./bindings/NewProduct";
import type { NewPurchase } from "./bindings/NewPurchase";
import type { NewSale } from "./bindings/NewSale";
import type { Product } from "./bindings/Product";
import type { ProductPatch } from "./bindings/ProductPatch";
import type { Purchase } from "./bindings/Purchase";
import type { PurchaseSummary } from "./bindings/PurchaseSummary";
import type { Quote } from "./bindings/Quote";
import type { Report } from "./bindings/Report";
import type { ReturnLine } from "./bindings/ReturnLine";
import type { Sale } from "./bindings/Sale";
import type { SaleSummary } from "./bindings/SaleSummary";
import type { SalePick } from "./bindings/SalePick";
import type { Page } from "./bindings/Page";
import type { ListQuery } from "./bindings/ListQuery";
import type { PurchaseDetail } from "./bindings/PurchaseDetail";
import type { ExpenseRow } from "./bindings/ExpenseRow";
import type { ContactPatch } from "./bindings/ContactPatch";
import type { SessionView } from "./bindings/SessionView";
import type { StaffMember } from "./bindings/StaffMember";
import type { Role } from "./bindings/Role";
import type { ShiftView } from "./bindings/ShiftView";
import type { BackupFile } from "./bindings/BackupFile";
import type { RestoreReport } from "./bindings/RestoreReport";
import type { SettingsView } from "./bindings/SettingsView";
import type { PrintJob } from "./bindings/PrintJob";
import type { FoundPrinter } from "./bindings/FoundPrinter";
import type { StockCount } from "./bindings/StockCount";
import type { ImportOptions } from "./bindings/ImportOptions";
import type { ImportReport } from "./bindings/ImportReport";

export type AppStatus = { db_path: string; open: boolean; error: ErrorBody | null };
export type QtyUnit = { qty: string; unit: string | null };
export type CashChange = { tendered: string; change: string };

/** Calls a Rust command. A cashier's action that needs the owner asks for an owner's PIN
 *  and, once approved, runs again; "sign in first" shows the sign-in screen. */
async function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await tauriInvoke<T>(cmd, args);
  } catch (e) {
    const err = e as ErrorBody;
    if (err?.code === "needs_owner" && err.action && cmd !== "approve") {
      if (await askOwner(err.action, err.message)) return await tauriInvoke<T>(cmd, args);
    }
    if (err?.code === "needs_sign_in" && ui.session) ui.session = { ...ui.session, locked: true };
    throw e;
  }
}

/** Forgets the cashier's cart draft and held carts of this shop file (after a restore the
 *  product ids in them may mean other products). */
export function forgetCarts() {
  localStorage.removeItem(`pasarsuara.cart:${ui.dbPath}`);
  localStorage.removeItem(`pasarsuara.held:${ui.dbPath}`);
}

export function errorMessage(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as ErrorBody).message);
  return String(e);
}

export const api = {
  appStatus: () => invoke<AppStatus>("app_status"),
  appReady: () => invoke<number>("app_ready"),
  openShop: (choice: "demo" | "empty") => invoke<void>("open_shop", { choice }),
  dashboard: () => invoke<Dashboard>("dashboard"),
  searchProducts: (query: string, limit = 20) => invoke<Product[]>("search_products", { query, limit }),
  pickForSale: (query: string) => invoke<SalePick>("pick_for_sale", { query }),
  popularProducts: (category: string | null, limit = 24) => invoke<Product[]>("popular_products", { category, limit }),
  categories: () => invoke<string[]>("categories"),
  stepQty: (qty: string, by: number) => invoke<string>("step_qty", { qty, by }),
  cashChange: (total: string, tendered: string) => invoke<CashChange>("cash_change", { total, tendered }),
  products: (includeInactive = false) => invoke<Product[]>("products", { includeInactive }),
  product: (id: number) => invoke<Product>("product", { id }),
  addProduct: (product: NewProduct) => invoke<Product>("add_product", { product }),
  pickImportFile: () => invoke<string | null>("pick_import_file"),
  importFile: (path: string, options: ImportOptions) => invoke<ImportReport>("import_file", { path, options }),
  updateProduct: (id: number, patch: ProductPatch) => invoke<Product>("update_product", { id, patch }),
  parseNumber: (text: string) => invoke<string>("parse_number", { text }),
  parseQty: (text: string) => invoke<QtyUnit>("parse_qty", { text }),
  quoteSale: (sale: NewSale) => invoke<Quote>("quote_sale", { sale }),
  /** The Kasir's live re-pricing: never asks for a PIN by itself (paying or applying a line does). */
  quoteSaleQuiet: (sale: NewSale) => tauriInvoke<Quote>("quote_sale", { sale }),
  recordSale: (sale: NewSale) => invoke<Sale>("record_sale", { sale }),
  voidSale: (id: number, reason: string) => invoke<Sale>("void_sale", { id, reason }),
  returnSale: (id: number, lines: ReturnLine[], reason: string) => invoke<Sale>("return_sale", { id, lines, reason }),
  sale: (id: number) => invoke<Sale>("sale", { id }),
  salesPage: (query: ListQuery) => invoke<Page<SaleSummary>>("sales_page", { query }),
  purchasesPage: (query: ListQuery) => invoke<Page<PurchaseSummary>>("purchases_page", { query }),
  purchaseDetail: (id: number) => invoke<PurchaseDetail>("purchase_detail", { id }),
  expensesPage: (query: ListQuery) => invoke<Page<ExpenseRow>>("expenses_page", { query }),
  actors: () => invoke<string[]>("actors"),
  voidPurchase: (id: number, reason: string) => invoke<number>("void_purchase", { id, reason }),
  voidExpense: (id: number, reason: string) => invoke<number>("void_expense", { id, reason }),
  receiptText: (id: number) => invoke<string>("receipt_text", { id }),
  recordPurchase: (purchase: NewPurchase) => invoke<Purchase>("record_purchase", { purchase }),
  recordExpense: (expense: NewExpense) => invoke<Expense>("record_expense", { expense }),
  chatSend: (conversation: string, text: string) => invoke<ChatReply>("chat_send", { conversation, text }),
  chatHistory: (conversation: string) => invoke<ChatMessage[]>("chat_history", { conversation }),
  whatsappText: (phone: string | null, text: string) => invoke<string>("whatsapp_text", { phone, text }),
  expenses: (period: string) => invoke<Expense[]>("expenses", { period }),
  movements: (productId: number, limit = 100) => invoke<Movement[]>("movements", { productId, limit }),
  lowStock: () => invoke<LowStockItem[]>("low_stock"),
  previewStockCount: (lines: CountLine[]) => invoke<StockCount[]>("preview_stock_count", { lines }),
  postStockCount: (lines: CountLine[], note: string | null) => invoke<StockCount[]>("post_stock_count", { lines, note }),
  contacts: () => invoke<Contact[]>("contacts"),
  addContact: (name: string, supplier: boolean, phone: string | null) => invoke<Contact>("add_contact", { name, supplier, phone }),
  updateContact: (id: number, patch: ContactPatch) => invoke<Contact>("update_contact", { id, patch }),
  mergeContacts: (keep: number, duplicate: number) => invoke<Contact>("merge_contacts", { keep, duplicate }),
  searchContacts: (query: string, limit = 8) => invoke<Contact[]>("search_contacts", { query, limit }),
  nearDuplicates: (id: number) => invoke<Contact[]>("near_duplicates", { id }),
  similarContacts: (name: string) => invoke<Contact[]>("similar_contacts", { name }),
  debtHistory: (contact: string) => invoke<DebtEntry[]>("debt_history", { contact }),
  payDebt: (contact: string, amount: string, note: string | null) => invoke<DebtEntry>("pay_debt", { contact, amount, note }),
  report: (period: string) => invoke<Report>("report", { period }),
  dailySeries: (period: string) => invoke<DayFigures[]>("daily_series", { period }),
  session: () => invoke<SessionView>("session"),
  staffNames: () => invoke<StaffMember[]>("staff_names"),
  signIn: (name: string, pin: string) => invoke<SessionView>("sign_in", { name, pin }),
  lockSession: () => invoke<SessionView>("lock_session"),
  approve: (pin: string, action: string) => invoke<string>("approve", { pin, action }),
  staffList: () => invoke<StaffMember[]>("staff_list"),
  addStaff: (name: string, role: Role, pin: string) => invoke<StaffMember>("add_staff", { name, role, pin }),
  setPin: (id: number, current: string | null, pin: string) => invoke<void>("set_pin", { id, current, pin }),
  setStaffActive: (id: number, active: boolean) => invoke<void>("set_staff_active", { id, active }),
  currentShift: () => invoke<ShiftView | null>("current_shift"),
  openShift: (float: string) => invoke<ShiftView>("open_shift", { float }),
  cashMove: (amount: string, out: boolean, note: string) => invoke<ShiftView>("cash_move", { amount, out, note }),
  closeShift: (counted: string, note: string | null) => invoke<ShiftView>("close_shift", { counted, note }),
  shifts: (period: string) => invoke<ShiftView[]>("shifts", { period }),
  settings: () => invoke<SettingsView>("settings_view"),
  setSetting: (key: string, value: string) => invoke<void>("set_setting", { key, value }),
  backupNow: () => invoke<string>("backup_now"),
  backups: () => invoke<BackupFile[]>("backups"),
  restoreBackup: (path: string) => invoke<RestoreReport>("restore_backup", { path }),
  // Printing: jobs go into the shop's queue; a background worker sends them.
  printReceipt: (id: number, printer: string | null = null) => invoke<PrintJob>("print_receipt", { id, printer }),
  printTest: (printer: string | null = null) => invoke<PrintJob>("print_test", { printer }),
  printJobForSale: (id: number) => invoke<PrintJob | null>("print_job_for_sale", { id }),
  printJobs: (openOnly: boolean) => invoke<PrintJob[]>("print_jobs", { openOnly }),
  retryPrintJob: (id: number) => invoke<PrintJob>("retry_print_job", { id }),
  cancelPrintJob: (id: number) => invoke<PrintJob>("cancel_print_job", { id }),
  findPrinters: () => invoke<FoundPrinter[]>("find_printers"),
  saveReceiptPdf: (id: number) => invoke<string>("save_receipt_pdf", { id }),
  saveInvoicePdf: (id: number) => invoke<string>("save_invoice_pdf", { id }),
  saveReportPdf: (period: string) => invoke<string>("save_report_pdf", { period }),
  whatsappReceipt: (id: number) => invoke<string>("whatsapp_receipt", { id }),
  openSaved: (path: string) => invoke<void>("open_saved", { path }),
  setLogo: (png: number[] | null) => invoke<void>("set_logo", { png }),
};
