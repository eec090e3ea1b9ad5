export { defaultFormValues, sweepTrialCount, toRequestBody, validateRunForm, type RunFormKind, type RunFormValues, type SweepAxisInput } from './form-state';
export { NewRunForm, type DatasetOption, type ModelOption, type NewRunFormProps, type SubmitResult } from './new-run-form';
export { NewRunPage, type NewRunPageProps } from './new-run-page';
