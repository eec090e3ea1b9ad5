export { GalleryAttack, postGalleryAttack, type GalleryAttackResult, type GalleryAttacker, type GalleryModelOption } from './gallery-attack';
export { GalleryGrid } from './gallery-grid';
export { GalleryPage, type GalleryPageProps } from './gallery-page';
export { GALLERY_DEFAULTS, galleryFormValues, galleryQueryString, parseGalleryQuery, type GalleryFormValues } from './gallery-query';
export { GalleryResults, GallerySkeleton, SanityBadges } from './gallery-results';
export { amplifyPerturbation, maxAbsDelta } from './perturbation';
export { PerturbationCanvas } from './perturbation-canvas';
