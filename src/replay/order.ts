/** Moved to src/order/ (the canonical-order adapter lives with the order code). */
export * from '../order/notebookorder';
