// Placeholder: implemented in the core/workflow issues.
export const handler = async (): Promise<void> => {};
