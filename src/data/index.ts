/** The data namespace (torch.utils.data): datasets and the batching loader. */

export { TensorDataset, Subset, randomSplit } from './dataset.js';
export type { Dataset } from './dataset.js';
export { DataLoader, defaultCollate } from './data-loader.js';
export type { DataLoaderOptions, DataLoaderState, Collated } from './data-loader.js';
