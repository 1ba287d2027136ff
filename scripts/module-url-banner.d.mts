/** The bundles' first line: `__dagcMeta.url`, the bundle's file URL (their `import.meta.url`), made when first read. */
export declare const MODULE_URL_BANNER: string;
