// Decoding of single log records and file headers, bounds-checked: the reader,
// the dump command and the fuzz target share these so a damaged log can never
// make any of them read outside the mapping.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "event.h"

namespace aa {

enum class RecordStatus {
  kOk,          // decoded into the Event
  kEnd,         // size 0: the rest of the chunk is unused
  kUnfinished,  // kind 0 with a size: a record cut off by a kill; skip it
  kBadKind,     // kind outside the table (or a body that does not match its flags); skip it
  kBadSize,     // size out of bounds: the rest of the chunk cannot be trusted
};

// What a record's chunk header says about the records in it: compact and
// tiny records leave out the tid, tiny ones store t_enter relative to base_ns.
struct ChunkInfo {
  int32_t tid = 0;
  uint64_t base_ns = 0;  // 0 before version 3
};

// Decodes the record at `p` with `avail` bytes left in its chunk (p 8-aligned).
// On kOk, kUnfinished and kBadKind `*size` is the record's size so the caller
// can step over it.  Views in `ev` point into [p, p + *size).
RecordStatus decode_record(const uint8_t* p, size_t avail, const ChunkInfo& chunk, Event& ev, uint32_t* size);

// Validates a log header and fills the header-derived fields of `info`.
// Throws ToolError(kExitDataErr) "NAME: ..." when the bytes are not a log.
void decode_header(const uint8_t* p, size_t file_size, const std::string& name, ProcessInfo& info,
                   uint32_t* header_size, uint32_t* chunk_size, uint64_t* chunks_claimed);

}  // namespace aa
