export { classCountRows, mixingCaption, totals, type ClassCountRow } from './dataset-stats';
export { DatasetSamples, DatasetsPage, type DatasetsPageProps } from './datasets-page';
export { SampleGrid } from './sample-grid';
