export { Catalog, connectorFor } from './catalog.js';
export type { CatalogTable, CatalogView, CatalogObject, TableColumn } from './catalog.js';
