/** The account's single Monitor instance (idFromName), shared by isolates and admission controllers. */
export const MONITOR_NAME = "global";
