export { GalleryGrid } from './gallery-grid';
export { GalleryPage, GalleryResults, SanityBadges, type GalleryPageProps } from './gallery-page';
export { GALLERY_DEFAULTS, galleryFormValues, parseGalleryQuery, type GalleryFormValues } from './gallery-query';
export { amplifyPerturbation, maxAbsDelta } from './perturbation';
export { PerturbationCanvas } from './perturbation-canvas';
