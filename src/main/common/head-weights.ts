/** A trained head's weights as plain arrays: what the worker returns, the core stores and the exports write. */
export interface DenseWeights {
  name: string;
  inputDim: number;
  units: number;
  activation: 'relu' | 'elu' | 'tanh' | 'sigmoid' | 'softmax';
  /** inputDim × units, row-major (Keras kernel layout). */
  kernel: Float32Array;
  bias: Float32Array;
}

export interface HeadWeights {
  inputDim: number;
  numClasses: number;
  /** Dropout rate after each hidden layer (only used to rebuild the same architecture). */
  dropout: number[];
  /** Hidden layers then the output layer (1 sigmoid unit for 2 classes, softmax over N otherwise). */
  layers: DenseWeights[];
}
