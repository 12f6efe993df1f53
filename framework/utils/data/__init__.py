"""framework.utils.data: datasets, samplers, DataLoader and collation (torch.utils.data's API)."""
from .dataset import (Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, StackDataset,
                      random_split)
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler,
                      WeightedRandomSampler)
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info
from .distributed import DistributedSampler
