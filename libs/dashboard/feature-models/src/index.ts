export { ModelActions } from './model-actions';
export { compareRows, robustnessRows, runLabel, type CompareRow, type RobustnessRow } from './model-charts';
export { ModelsPage, type ModelsPageProps } from './models-page';
