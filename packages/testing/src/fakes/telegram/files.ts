import { badRequest } from './types.js'

// Files the platform hosts: getFile answers a file's `file_path`, and `GET /file/bot<token>/<file_path>`
// serves its bytes, as the real Bot API does (files up to 20 MB).

export interface FakeFile {
  fileId: string
  fileUniqueId: string
  /** Where the download route serves it: `<kind>/file_<n>.<ext>`. */
  filePath: string
  data: Buffer
  mimeType?: string
  fileName?: string
}

export interface FileSpec {
  data: Buffer | string
  /** Default: a new id of the kind's prefix (`AgAC…` photos, `BQAC…` documents). */
  fileId?: string
  fileName?: string
  mimeType?: string
  kind?: 'photos' | 'documents' | 'videos' | 'voice' | 'music'
  /** Pretend the file is this big (getFile then refuses files over 20 MB, as Telegram does). */
  declaredSize?: number
}

export interface FileDownload {
  filePath: string
  status: number
  at: number
}

export const DOWNLOAD_LIMIT = 20 * 1024 * 1024

export class TelegramFiles {
  private readonly byId = new Map<string, FakeFile & { declaredSize?: number }>()
  private readonly byPath = new Map<string, FakeFile>()
  readonly downloads: FileDownload[] = []
  private next = 1

  add(spec: FileSpec): FakeFile {
    const n = this.next++
    const kind = spec.kind ?? 'documents'
    const fileId = spec.fileId ?? `${kind === 'photos' ? 'AgAC' : 'BQAC'}-file-${n}`
    const extension = /\.([A-Za-z0-9]+)$/.exec(spec.fileName ?? '')?.[1] ?? (kind === 'photos' ? 'jpg' : 'dat')
    const file: FakeFile & { declaredSize?: number } = {
      fileId,
      fileUniqueId: `${fileId}-u`,
      filePath: `${kind}/file_${n}.${extension}`,
      data: Buffer.isBuffer(spec.data) ? spec.data : Buffer.from(spec.data),
      ...(spec.mimeType === undefined ? {} : { mimeType: spec.mimeType }),
      ...(spec.fileName === undefined ? {} : { fileName: spec.fileName }),
      ...(spec.declaredSize === undefined ? {} : { declaredSize: spec.declaredSize }),
    }
    this.byId.set(fileId, file)
    this.byPath.set(file.filePath, file)
    return file
  }

  /** The getFile result; a file over 20 MB has no file_path to download, like Telegram's "file is too big". */
  getFile(params: Record<string, unknown>): { file_id: string; file_unique_id: string; file_size: number; file_path: string } {
    const fileId = params.file_id
    if (typeof fileId !== 'string' || fileId === '') throw badRequest('file_id is empty')
    const file = this.byId.get(fileId)
    if (!file) throw badRequest('invalid file_id')
    const size = file.declaredSize ?? file.data.length
    if (size > DOWNLOAD_LIMIT) throw badRequest('file is too big')
    return { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: size, file_path: file.filePath }
  }

  /** The file served at a download path, recording the download. */
  download(filePath: string): FakeFile | undefined {
    const file = this.byPath.get(filePath)
    this.downloads.push({ filePath, status: file ? 200 : 404, at: Date.now() })
    return file
  }
}
