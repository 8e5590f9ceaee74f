# np.matrix inside, like the XOR answer that uses theta1 / theta2 matrices:
# '*' is the matrix product, np.multiply the elementwise one.
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_derivative(sx):
    return np.multiply(sx, 1 - sx)


def forward(X, W1, b1, W2, b2):
    X, W1, b1, W2, b2 = (np.matrix(a, dtype=float) for a in (X, W1, b1, W2, b2))
    layer2 = sigmoid(X * W1 + b1)
    layer3 = sigmoid(layer2 * W2 + b2)
    return np.asarray(layer2), np.asarray(layer3)


def loss(Yhat, Y):
    diff = np.matrix(Yhat) - np.matrix(Y)
    return 0.5 * float(np.sum(np.multiply(diff, diff)))


def backward(X, Y, W1, b1, W2, b2):
    X, Y, W1, b1, W2, b2 = (np.matrix(a, dtype=float) for a in (X, Y, W1, b1, W2, b2))
    layer2 = sigmoid(X * W1 + b1)
    layer3 = sigmoid(layer2 * W2 + b2)
    delta3 = np.multiply(layer3 - Y, sigmoid_derivative(layer3))
    delta2 = np.multiply(delta3 * W2.T, sigmoid_derivative(layer2))
    theta2d = layer2.T * delta3
    theta1d = X.T * delta2
    ones = np.matrix(np.ones((1, X.shape[0])))
    return (np.asarray(theta1d), np.asarray(ones * delta2),
            np.asarray(theta2d), np.asarray(ones * delta3))


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    np.random.seed(seed)
    input_sz = X.shape[1]
    output_sz = np.shape(Y)[1]
    # initialising with a heuristic from Yoshua Bengio
    theta1 = np.sqrt(6.0 / (input_sz + hidden_dim)) * (np.random.rand(input_sz, hidden_dim) * 2 - 1)
    bias1 = np.zeros((1, hidden_dim))
    theta2 = np.sqrt(6.0 / (hidden_dim + output_sz)) * (np.random.rand(hidden_dim, output_sz) * 2 - 1)
    bias2 = np.zeros((1, output_sz))
    for _ in range(num_epochs):
        d1, db1, d2, db2 = backward(X, Y, theta1, bias1, theta2, bias2)
        theta1 = theta1 - learning_rate * d1
        bias1 = bias1 - learning_rate * db1
        theta2 = theta2 - learning_rate * d2
        bias2 = bias2 - learning_rate * db2
    return theta1, bias1, theta2, bias2


if __name__ == "__main__":
    X = np.array([(0, 0), (1, 0), (0, 1), (1, 1)])
    Y = np.array([[0, 1, 1, 0]]).T
    print(forward(X, *train(X, Y))[1])
