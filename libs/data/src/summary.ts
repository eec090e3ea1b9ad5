/** Why a file or folder was left out of an import. */
export type SkipReason =
  /** The file has zero bytes. */
  | 'empty'
  /** The content is not an image format sharp reads (text, archive, ...). */
  | 'not-an-image'
  /** An image format, but corrupt or truncated. */
  | 'corrupt'
  /** More pixels than the `limitInputPixels` limit, or more bytes than one file may have. */
  | 'too-large'
  /** A symbolic link leading out of the folders the server reads for clients. */
  | 'outside-root'
  /** A folder nested deeper than the depth limit. */
  | 'too-deep'
  /** The file or folder could not be opened (permissions, I/O). */
  | 'unreadable'
  /** The file was listed, but had gone when it was read (a folder changed during the import). */
  | 'missing'
  /** A symbolic link that leads back into a folder already being read, or loops on itself. */
  | 'symlink-loop'
  /** A symbolic link whose target does not exist. */
  | 'broken-link'
  /** Not a regular file or folder (socket, FIFO, device): never opened. */
  | 'not-a-file'
  /** A name starting with '.' (such as `.DS_Store` or `.ipynb_checkpoints`). */
  | 'hidden'
  /** A file directly in an ImageFolder's root, outside any class folder. */
  | 'outside-class-folder'
  /** A sub-folder inside a flat folder of unlabeled images. */
  | 'nested-folder';

/** One entry left out of an import, with the path relative to the imported folder. */
export interface SkippedFile {
  readonly path: string;
  readonly reason: SkipReason;
  /** The underlying message (decoder or file-system error), for people. */
  readonly detail: string;
}

/** Progress of an import: `done` files handled of `total`, `skipped` of them left out. */
export interface ImportProgress {
  readonly done: number;
  readonly total: number;
  readonly skipped: number;
}

/** Called after each file; keep it cheap (it runs on the import's hot path). */
export type ProgressCallback = (progress: ImportProgress) => void;
