export { classCountRows, mixingCaption, totals, type ClassCountRow } from './dataset-stats';
export { DatasetSamples, DatasetsPage, type DatasetsPageProps } from './datasets-page';
export { SampleGrid } from './sample-grid';
export { ImportDatasetForm, type ImportStreamResponse, type ImportStreamer } from './import-dataset-form';
export { importFraction, importReducer, initialImportState, type ImportAction, type ImportFailure, type ImportState } from './import-state';
