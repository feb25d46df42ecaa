/** The structural surface of hnswlib-node used here (no third-party types in public `.d.ts`). */
export interface HnswIndexLike {
  initIndex(options: {
    maxElements: number;
    m?: number;
    efConstruction?: number;
    randomSeed?: number;
    allowReplaceDeleted?: boolean;
  }): void;
  resizeIndex(newMaxElements: number): void;
  addPoint(point: number[], label: number): void;
  markDelete(label: number): void;
  searchKnn(
    queryPoint: number[],
    numNeighbors: number,
    filter?: (label: number) => boolean,
  ): { distances: number[]; neighbors: number[] };
  getMaxElements(): number;
  getCurrentCount(): number;
  setEf(ef: number): void;
}

export interface HnswlibModuleLike {
  HierarchicalNSW: new (space: 'ip' | 'l2' | 'cosine', dimensions: number) => HnswIndexLike;
}
