"""framework.nn: modules, parameters, losses, functional forms and initializers (torch.nn's API)."""
from .parameter import Parameter, Buffer, UninitializedParameter
from .module import Module
from .linear import Linear, Identity, Flatten, Unflatten, Bilinear
from .activation import (ReLU, ReLU6, LeakyReLU, Sigmoid, Tanh, GELU, SiLU, ELU, Softplus, Hardtanh, LogSigmoid,
                         Softmax, LogSoftmax, Softmin)
from .dropout import Dropout
from .sparse import Embedding, EmbeddingBag
from .normalization import LayerNorm, GroupNorm, RMSNorm
from .activation import (Mish, Hardswish, Hardsigmoid, PReLU, Softsign, Tanhshrink, Softshrink, Hardshrink, CELU,
                         SELU, GLU, Threshold)
from .distance import CosineSimilarity, PairwiseDistance
from .pixelshuffle import PixelShuffle, PixelUnshuffle
from .loss import (KLDivLoss, CosineEmbeddingLoss, MarginRankingLoss, TripletMarginLoss, PoissonNLLLoss,
                   GaussianNLLLoss, HingeEmbeddingLoss, SoftMarginLoss, MultiLabelSoftMarginLoss)
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell
from .attention import MultiheadAttention
from .transformer import (Transformer, TransformerEncoder, TransformerDecoder, TransformerEncoderLayer,
                          TransformerDecoderLayer)
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .loss import (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, NLLLoss,
                   CrossEntropyLoss)
from . import functional, init, utils, parallel
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .pooling import (MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
                      AdaptiveMaxPool1d, AdaptiveMaxPool2d)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .dropout import Dropout2d
from .padding import (ZeroPad1d, ZeroPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d,
                      ReplicationPad1d, ReplicationPad2d)
from .upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d
