export { axisName, rankedTrials, trialBarRows, trialLabel, type TrialBarRow } from './sweep-results';
export { SweepsPage, type SweepsPageProps } from './sweeps-page';
